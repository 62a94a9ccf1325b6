package io.recserve.bootstrap;

import io.recserve.model.Failures;
import picocli.CommandLine;
import picocli.CommandLine.IExecutionExceptionHandler;
import picocli.CommandLine.ParseResult;

/**
 * What a command that failed prints: one line, {@code recserve bootstrap import failed: <what happened>}, never a bare
 * "null"; the stack trace too when RECSERVE_DEBUG is set. Exit code 1.
 */
public final class CommandFailures implements IExecutionExceptionHandler {
  /**
   * {@code commandLine} with this handler, and refusing stray arguments beside --help or --version, which picocli
   * would otherwise drop: {@code bootstrap publish --version 3} (the old spelling of --model-version) must not print
   * the version and exit 0 without publishing.
   */
  public static CommandLine install(CommandLine commandLine) {
    CommandLine.IExecutionStrategy run = new CommandLine.RunLast();
    return commandLine.setExecutionExceptionHandler(new CommandFailures()).setExecutionStrategy(parsed -> {
      for (ParseResult p = parsed; p != null; p = p.subcommand()) {
        if (!p.unmatched().isEmpty()) throw new CommandLine.UnmatchedArgumentException(p.commandSpec().commandLine(), p.unmatched());
      }
      return run.execute(parsed);
    });
  }

  @Override
  public int handleExecutionException(Exception e, CommandLine cmd, ParseResult parsed) {
    cmd.getErr().println(cmd.getCommandSpec().qualifiedName() + " failed: " + Failures.describe(e));
    if (System.getenv("RECSERVE_DEBUG") != null) e.printStackTrace(cmd.getErr());
    cmd.getErr().flush();
    return 1;
  }
}
