package io.recserve.launcher;

import static org.assertj.core.api.Assertions.assertThat;

import io.recserve.bootstrap.ModelPipeline;
import io.recserve.model.als.AlsParams;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.WebClient;
import java.io.ByteArrayOutputStream;
import java.io.File;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.logging.Level;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.Timeout;
import org.openqa.selenium.By;
import org.openqa.selenium.Dimension;
import org.openqa.selenium.JavascriptExecutor;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.TakesScreenshot;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;
import org.openqa.selenium.logging.LogEntry;
import org.openqa.selenium.logging.LogType;
import org.openqa.selenium.logging.LoggingPreferences;
import org.openqa.selenium.support.ui.ExpectedConditions;
import org.openqa.selenium.support.ui.WebDriverWait;

/**
 * The web console in a real browser: headless Chromium (Debian's {@code chromium} and {@code chromium-driver}, named
 * explicitly so that Selenium Manager never downloads anything) against a whole node in this JVM, with a model of
 * ml-latest-small in two versions and an admin key set. It asks for the key, looks a user up (10 titles, what the
 * user rated, the "because", a movie's similar movies, the API's message for a bad id), watches the traffic chart
 * change after requests, sees the current version marked and rolls back from the page, and fits a phone-sized window.
 * Screenshots of each page go to {@code target/console-*.png}. Without the browser it fails: CI installs it
 * ({@code .ci/run}).
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class ConsoleBrowserTest {
  static final String ADMIN_KEY = "console-admin-key-0123456789abcdef";
  static final Path CHROMIUM = Path.of("/usr/bin/chromium");
  static final Path CHROMEDRIVER = Path.of("/usr/bin/chromedriver");
  private static Vertx client;
  private static WebClient web;
  private static JsonObject config;
  private static RecserveNode node;
  private static ChromeDriver driver;
  private static WebDriverWait wait;
  private static Path dir;

  @BeforeAll
  @Timeout(value = 120, unit = TimeUnit.SECONDS)
  static void start() throws Exception {
    assertThat(CHROMIUM).as("Debian's chromium (apt-get install chromium chromium-driver; .ci/run does)").isExecutable();
    assertThat(CHROMEDRIVER).as("Debian's chromedriver (apt-get install chromium chromium-driver; .ci/run does)").isExecutable();
    client = Vertx.vertx();
    web = WebClient.create(client);
    dir = Files.createTempDirectory("recserve-console");
    config = RecserveNodeTest.config(client, dir);
    config.getJsonObject("security").put("admin-keys", "console-test:admin:" + ADMIN_KEY);
    ServeCommand.ensureModel(config);
    // A second version (another seed), current now, so that the page has one to roll back from.
    try (ModelPipeline pipeline = new ModelPipeline(config, new PrintStream(new ByteArrayOutputStream()))) {
      AlsParams p = pipeline.params();
      long second = pipeline.train(new AlsParams(p.factors(), p.regularization(), p.alpha(), p.iterations(), p.seed() + 1, p.threads()));
      pipeline.evaluate(second);
      pipeline.publish(second);
    }
    node = RecserveNode.start(config, Roles.parse(Roles.ALL)).await(60, TimeUnit.SECONDS);
    RecserveNodeTest.awaitReady(web, config);

    ChromeDriverService service = new ChromeDriverService.Builder().usingDriverExecutable(CHROMEDRIVER.toFile()).usingAnyFreePort().build();
    ChromeOptions options = new ChromeOptions();
    options.setBinary(CHROMIUM.toFile());
    options.addArguments("--headless=new", "--no-sandbox", "--disable-background-networking", "--disable-dev-shm-usage", "--disable-gpu",
        "--disable-extensions", "--no-first-run", "--window-size=1280,1400");
    LoggingPreferences logs = new LoggingPreferences();
    logs.enable(LogType.BROWSER, Level.ALL);
    options.setCapability("goog:loggingPrefs", logs);
    driver = new ChromeDriver(service, options);
    wait = new WebDriverWait(driver, Duration.ofSeconds(30));
  }

  @AfterAll
  static void stop() throws Exception {
    if (driver != null) driver.quit();
    if (node != null) node.stop().await(40, TimeUnit.SECONDS);
    if (client != null) client.close().await();
  }

  static String url(String fragment) {
    return "http://127.0.0.1:" + node.adminPort() + "/#" + fragment;
  }

  static void screenshot(String name) throws Exception {
    File shot = ((TakesScreenshot) driver).getScreenshotAs(OutputType.FILE);
    Path target = Path.of("target", "console-" + name + ".png");
    Files.createDirectories(target.getParent());
    Files.copy(shot.toPath(), target, StandardCopyOption.REPLACE_EXISTING);
  }

  static WebElement byId(String id) {
    return driver.findElement(By.id(id));
  }

  static void textContains(String id, String text) {
    wait.until(ExpectedConditions.textToBePresentInElementLocated(By.id(id), text));
  }

  /** Nothing the page did was refused by its Content-Security-Policy, and no script failed. */
  static void noBrowserErrors() {
    List<String> errors = driver.manage().logs().get(LogType.BROWSER).getAll().stream()
        .filter(e -> e.getLevel().intValue() >= Level.WARNING.intValue()).map(LogEntry::getMessage)
        // a 401 (the key prompt) and a 409 (nothing older to roll back to) are answers the page shows, not faults
        .filter(m -> !m.contains("status of 401") && !m.contains("status of 409") && !m.contains("status of 400")).toList();
    assertThat(errors).as("browser console errors").isEmpty();
  }

  @Test
  @Order(1)
  void asksForTheAdminKeyThenShowsAUsersRecommendationsWithWhatTheyRated() throws Exception {
    driver.get(url("recommend"));
    byId("user-id").clear();
    byId("user-id").sendKeys("15");
    byId("recommend-button").click();
    // No key yet: the listener answers 401 and the page asks for one.
    wait.until(ExpectedConditions.visibilityOfElementLocated(By.id("key-panel")));
    textContains("recommend-status", "401");
    byId("admin-key").sendKeys(ADMIN_KEY);
    driver.findElement(By.cssSelector("#key-form button[type=submit]")).click();
    wait.until(ExpectedConditions.invisibilityOfElementLocated(By.id("key-panel")));
    assertThat(((JavascriptExecutor) driver).executeScript("return sessionStorage.getItem('recserve.admin-key')")).isEqualTo(ADMIN_KEY);

    // The request refused for want of a key goes again with it.
    wait.until(ExpectedConditions.numberOfElementsToBe(By.cssSelector("#recommendations li"), 10));
    List<WebElement> titles = driver.findElements(By.cssSelector("#recommendations li .movie-title"));
    assertThat(titles).hasSize(10).allSatisfy(t -> assertThat(t.getText()).matches(".+ \\(\\d{4}\\)\\s*"));
    assertThat(driver.findElements(By.cssSelector("#recommendations li .score"))).hasSize(10)
        .allSatisfy(s -> assertThat(s.getText()).startsWith("score 0."));
    assertThat(driver.findElements(By.cssSelector("#recommendations li .because"))).as("explanations").hasSizeGreaterThanOrEqualTo(8);
    wait.until(ExpectedConditions.numberOfElementsToBe(By.cssSelector("#rated li"), 10));
    assertThat(byId("rated-status").getText()).contains("user 15");
    textContains("recommend-status", "10 recommendations for user 15");
    screenshot("recommendations");

    // A click on a title shows the movies closest to it.
    String first = titles.get(0).getText();
    titles.get(0).click();
    wait.until(ExpectedConditions.numberOfElementsToBe(By.cssSelector("#similar-list li"), 10));
    assertThat(byId("similar-heading").getText()).isEqualTo("Similar to " + first);
    assertThat(driver.findElements(By.cssSelector("#similar-list li .movie-title"))).extracting(WebElement::getText).doesNotContain(first);

    // The API's own message for a bad id, and an empty list for a user the model does not know.
    byId("user-id").clear();
    byId("user-id").sendKeys("99999999999");
    byId("recommend-button").click();
    textContains("recommend-status", "Error 400");
    assertThat(byId("recommend-status").getText()).contains("user_id");
    driver.findElement(By.cssSelector("button.sample[data-user='999999']")).click();
    textContains("recommend-status", "the model does not know user 999999");
    noBrowserErrors();
  }

  @Test
  @Order(2)
  void theTrafficChartChangesAfterRequestsAreSent() throws Exception {
    driver.get(url("traffic"));
    wait.until(d -> !byId("traffic-total").getText().equals("–"));
    wait.until(ExpectedConditions.presenceOfElementLocated(By.cssSelector("#chart-rps canvas")));
    long before = Long.parseLong(byId("traffic-total").getText().replace(",", ""));
    int port = config.getJsonObject("http").getInteger("port");
    for (int user = 1; user <= 12; user++) {
      var r = web.post(port, "127.0.0.1", "/recommend").putHeader("content-type", "application/json")
          .sendBuffer(Buffer.buffer("{\"user_id\": " + user + "}")).await(10, TimeUnit.SECONDS);
      assertThat(r.statusCode()).isEqualTo(200);
    }
    // The page refreshes itself every few seconds: no reload here.
    wait.until(d -> Long.parseLong(byId("traffic-total").getText().replace(",", "")) >= before + 12);
    assertThat(byId("chart-rps").getDomAttribute("data-points")).isNotNull();
    assertThat(driver.findElements(By.cssSelector("#top-movies tbody tr"))).hasSize(10);
    assertThat(driver.findElement(By.cssSelector("#top-movies tbody tr td:nth-child(2)")).getText()).matches(".+ \\(\\d{4}\\)\\s*");
    assertThat(driver.findElements(By.cssSelector(".chart canvas"))).hasSize(3);
    screenshot("traffic");
    // A reload shows the same history (the store keeps it).
    driver.navigate().refresh();
    wait.until(d -> !byId("traffic-total").getText().equals("–"));
    assertThat(Long.parseLong(byId("traffic-total").getText().replace(",", ""))).isGreaterThanOrEqualTo(before + 12);
    noBrowserErrors();
  }

  @Test
  @Order(3)
  void theCurrentVersionIsMarkedAndARollbackFromThePageMakesThePreviousOneCurrent() throws Exception {
    driver.get(url("models"));
    wait.until(ExpectedConditions.presenceOfElementLocated(By.cssSelector("#versions > tbody > tr.current[data-version='2']")));
    WebElement current = driver.findElement(By.cssSelector("#versions > tbody > tr.current"));
    assertThat(current.getDomAttribute("aria-current")).isEqualTo("true");
    assertThat(current.findElement(By.cssSelector(".badge")).getText()).isEqualTo("current");
    assertThat(driver.findElements(By.cssSelector("#versions > tbody > tr"))).hasSize(2);
    assertThat(current.findElements(By.cssSelector("table.inner tbody tr"))).as("evaluation: the model and popularity").hasSize(2);
    assertThat(current.getText()).contains("popularity").contains("factors");
    wait.until(d -> driver.findElements(By.cssSelector("#nodes tbody tr")).size() >= 2);
    assertThat(driver.findElement(By.cssSelector("#nodes tbody")).getText()).contains("embedding").contains("ann").contains("v2");
    screenshot("models");

    byId("rollback").click();
    wait.until(ExpectedConditions.alertIsPresent()).accept();
    textContains("models-status", "Version 1 is current again (was 2)");
    wait.until(ExpectedConditions.presenceOfElementLocated(By.cssSelector("#versions > tbody > tr.current[data-version='1']")));
    // The nodes load version 1 again and say so.
    wait.until(d -> {
      byId("refresh-models").click();
      // read in one go: the table is redrawn as each load ends
      Object served = ((JavascriptExecutor) driver).executeScript("return [...document.querySelectorAll('#nodes tbody tr')]"
          + ".filter(tr => tr.cells[0].textContent !== 'http').map(tr => tr.cells[2].textContent)");
      return served instanceof List<?> list && !list.isEmpty() && list.stream().allMatch("v1"::equals);
    });
    noBrowserErrors();
  }

  @Test
  @Order(4)
  void aNarrowWindowKeepsEverythingInside() throws Exception {
    driver.manage().window().setSize(new Dimension(390, 1000));
    driver.get(url("recommend"));
    driver.findElement(By.cssSelector("button.sample[data-user='1']")).click();
    wait.until(ExpectedConditions.numberOfElementsToBe(By.cssSelector("#recommendations li"), 10));
    Map<?, ?> widths = (Map<?, ?>) ((JavascriptExecutor) driver).executeScript(
        "return {page: document.documentElement.scrollWidth, view: document.documentElement.clientWidth}");
    assertThat(((Number) widths.get("page")).longValue()).as("no sideways scrolling").isLessThanOrEqualTo(((Number) widths.get("view")).longValue());
    screenshot("narrow");
    driver.get(url("traffic"));
    wait.until(ExpectedConditions.presenceOfElementLocated(By.cssSelector("#chart-rps canvas")));
    Number canvas = (Number) ((JavascriptExecutor) driver).executeScript("return document.querySelector('#chart-rps canvas').getBoundingClientRect().right");
    assertThat(canvas.doubleValue()).as("the chart fits the window").isLessThanOrEqualTo(390);
    screenshot("narrow-traffic");
    noBrowserErrors();
  }
}
