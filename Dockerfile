# syntax=docker/dockerfile:1
# Multi-stage: build the runnable jar with the Maven wrapper on a JDK, run it on a JRE as a non-root user.

FROM eclipse-temurin:25-jdk AS build
WORKDIR /src
COPY .mvn .mvn
COPY mvnw pom.xml ./
COPY contract contract
COPY model model
COPY test-support test-support
COPY security security
COPY bootstrap bootstrap
COPY verticles verticles
COPY launcher launcher
COPY bench bench
COPY conf conf
RUN --mount=type=cache,target=/root/.m2 ./mvnw -B -q -DskipTests package -pl launcher -am

FROM eclipse-temurin:25-jre
RUN groupadd --system recserve && useradd --system --gid recserve --uid 10001 --home-dir /app recserve \
 && mkdir -p /app/data && chown recserve:recserve /app/data
WORKDIR /app
COPY --from=build /src/launcher/target/recserve.jar /app/recserve.jar
COPY conf /app/conf
USER recserve
# A node's heap is fixed, as ./recserve fixes it (RECSERVE_HEAP there; docs/performance.md: a heap left to grow under
# ZGC halved the cached throughput). Set JDK_JAVA_OPTIONS per service to give a role more; the bootstrap service in
# docker-compose.yml takes 75% of its container's memory instead, for training.
ENV RECSERVE_DATA_DIR=/app/data \
    RECSERVE_HTTP_HOST=0.0.0.0 \
    JDK_JAVA_OPTIONS="-Xms1g -Xmx1g"
VOLUME /app/data
# 8080 HTTP (RECSERVE_HTTP_HOST=0.0.0.0 below), 9180 management (loopback unless RECSERVE_ADMIN_HOST opens it),
# 7001 event-stream bridge (off by default), 5701 Hazelcast membership (no TLS: private network only).
EXPOSE 8080 9180 5701 7001
# The flags of ./recserve for a node: the Vector API (Lucene), the module access Hazelcast documents for Java 17+, and
# (the image is JDK 25) Unsafe memory access and native calls allowed without a warning; huge methods compiled (the
# request validator's).
ENTRYPOINT ["java", "--add-modules", "jdk.incubator.vector", \
  "--add-modules", "java.se", "--add-exports", "java.base/jdk.internal.ref=ALL-UNNAMED", \
  "--add-opens", "java.base/java.lang=ALL-UNNAMED", "--add-opens", "java.base/java.nio=ALL-UNNAMED", \
  "--add-opens", "java.base/sun.nio.ch=ALL-UNNAMED", "--add-opens", "java.management/sun.management=ALL-UNNAMED", \
  "--add-opens", "jdk.management/com.sun.management.internal=ALL-UNNAMED", "-XX:-DontCompileHugeMethods", \
  "--sun-misc-unsafe-memory-access=allow", "--enable-native-access=ALL-UNNAMED", \
  "-XX:+UseZGC", "-jar", "/app/recserve.jar"]
CMD ["serve"]
