package io.recserve.launcher;

import io.recserve.bootstrap.BootstrapCommand;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/** The runnable jar's entry point: {@code serve} a node, or run a {@code bootstrap} step. */
@Command(name = "recserve", mixinStandardHelpOptions = true, version = "Recserve 0.1.0",
    description = "Recommendations served from collaborative-filtering embeddings.",
    subcommands = {ServeCommand.class, BootstrapCommand.class})
public final class Recserve implements Runnable {
  @Override
  public void run() {
    CommandLine.usage(this, System.out);
  }

  public static void main(String[] args) {
    int code = new CommandLine(new Recserve()).setExecutionExceptionHandler((e, cmd, parsed) -> {
      cmd.getErr().println("recserve " + cmd.getCommandName() + " failed: " + e.getMessage());
      if (System.getenv("RECSERVE_DEBUG") != null) e.printStackTrace(cmd.getErr());
      return 1;
    }).execute(args);
    if (code != 0 || args.length == 0 || !args[0].equals("serve")) System.exit(code);
  }
}
