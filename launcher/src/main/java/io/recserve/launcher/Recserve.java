package io.recserve.launcher;

import io.recserve.bootstrap.BootstrapCommand;
import io.recserve.bootstrap.CommandFailures;
import io.recserve.bootstrap.RecserveVersion;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/** The runnable jar's entry point: {@code serve} a node, or run a {@code bootstrap} step. */
@Command(name = "recserve", mixinStandardHelpOptions = true, versionProvider = RecserveVersion.class,
    description = "Recommendations served from collaborative-filtering embeddings.",
    subcommands = {ServeCommand.class, BootstrapCommand.class})
public final class Recserve implements Runnable {
  @Override
  public void run() {
    CommandLine.usage(this, System.out);
  }

  /** The command line with its failure handler: a failed command prints one line (never "null") and exits 1. */
  public static CommandLine commandLine() {
    return CommandFailures.install(new CommandLine(new Recserve()));
  }

  public static void main(String[] args) {
    int code = commandLine().execute(args);
    if (code != 0 || args.length == 0 || !args[0].equals("serve")) System.exit(code);
  }
}
