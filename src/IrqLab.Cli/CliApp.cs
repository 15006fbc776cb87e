using System.CommandLine;
using System.CommandLine.Help;
using IrqLab.Cli.Commands;

namespace IrqLab.Cli;

/// <summary>The irqlab command line: parses arguments and prints; every decision lives in the library.</summary>
internal static class CliApp
{
    /// <summary>Exit code: the command ran.</summary>
    public const int ExitOk = 0;

    /// <summary>Exit code: <c>irqlab check</c> found a failed expect.</summary>
    public const int ExitCheckFailed = 1;

    /// <summary>Exit code: bad file or argument (SCENARIOS.md §10).</summary>
    public const int ExitBadInput = 2;

    /// <summary>Exit code: an internal error (a bug in IrqLab), EX_SOFTWARE of sysexits.h.</summary>
    public const int ExitInternalError = 70;

    /// <summary>The code of the JSON error object of an internal error (exit 70).</summary>
    public const string InternalCode = "internal";

    public static RootCommand BuildRoot(CliContext context)
    {
        var root = new RootCommand(
            "IrqLab: an executable model of x86-64 interrupt delivery (devices, IOAPIC, 8259, MSI, local APIC, IDT/FRED, VMX)\n" +
            "and of the Linux kernel's software interrupt dispatch (system vector table, common_interrupt, /proc/interrupts).\n" +
            "Exit codes: 0 ran, 1 a checked expect failed, 2 bad input, 70 an internal error (a bug in IrqLab).");
        root.Subcommands.Add(RunCommand.Create(context));
        root.Subcommands.Add(CheckCommand.Create(context));
        root.Subcommands.Add(VectorsCommand.Create(context));
        root.Subcommands.Add(TraceCommand.Create(context));
        root.Subcommands.Add(ReplayCommand.Create(context));
        root.Subcommands.Add(BenchCommand.Create(context));
        return root;
    }

    public static int Run(string[] args, TextWriter stdout, TextWriter stderr)
    {
        var context = new CliContext(stdout, stderr);
        var root = BuildRoot(context);
        var parse = root.Parse(args);
        var json = WantsJson(parse);
        if (parse.Errors.Count > 0)
        {
            var messages = UnknownCommand(parse, root) is { } unknown
                ? [unknown]
                : parse.Errors.Select(e => LeftoverWord(e.Message, parse) ?? e.Message).ToList();
            foreach (var message in messages)
            {
                stderr.WriteLine(ErrorLine(message));
            }

            stderr.WriteLine("Run 'irqlab --help' for usage.");
            if (json)
            {
                // One error object (SCENARIOS.md §10): the first error, as its line on stderr reads.
                ScenarioFiles.WriteJsonError(context, CliUsageException.UsageCode, ErrorLine(messages[0]), file: null, line: null, column: null);
            }

            return ExitBadInput;
        }

        try
        {
            if (parse.Action is HelpAction && parse.CommandResult.Command == root)
            {
                // The root help, with the optional arguments of the command list in brackets (RootHelp).
                using var help = new StringWriter(System.Globalization.CultureInfo.InvariantCulture);
                var exit = parse.Invoke(new InvocationConfiguration { Output = help, Error = stderr, EnableDefaultExceptionHandler = false });
                stdout.Write(RootHelp.BracketOptionalArguments(help.ToString(), root));
                return exit;
            }

            return parse.Invoke(new InvocationConfiguration { Output = stdout, Error = stderr, EnableDefaultExceptionHandler = false });
        }
        catch (CliUsageException e)
        {
            stderr.WriteLine(ErrorLine(e.Message));
            if (json)
            {
                ScenarioFiles.WriteJsonError(context, e.Code, ErrorLine(e.Message), e.File, line: null, column: null);
            }

            return ExitBadInput;
        }
        catch (IOException e)
        {
            // Not a bug in IrqLab but its environment: stdout could not be written (a full disk, /dev/full) or another
            // I/O failure that the command's own file handling did not name. Bad input/output, exit 2 (docs/cli.md).
            var line = ErrorLine($"I/O error: {e.Message}");
            stderr.WriteLine(line);
            if (json)
            {
                try
                {
                    ScenarioFiles.WriteJsonError(context, IrqLab.Scenarios.ErrorCodes.Io, line, file: null, line: null, column: null);
                }
                catch (IOException)
                {
                    // stdout itself failed: the line on stderr is all that can be said.
                }
            }

            return ExitBadInput;
        }
        catch (Exception e) when (Environment.GetEnvironmentVariable("IRQLAB_DEBUG") is null)
        {
            // A bug in IrqLab, not bad input: one line, no stack trace (IRQLAB_DEBUG=1 shows it); with --json also the
            // error object, so that a harness reading stdout sees what happened.
            var line = $"irqlab: internal error: {e.GetType().Name}: {e.Message} (please report it with the scenario; IRQLAB_DEBUG=1 prints the stack trace)";
            stderr.WriteLine(line);
            if (json)
            {
                try
                {
                    ScenarioFiles.WriteJsonError(context, InternalCode, line, InputFile(parse), line: null, column: null);
                }
                catch (IOException)
                {
                    // stdout itself failed (a full disk): the line on stderr is all that can be said.
                }
            }

            return ExitInternalError;
        }
    }

    /// <summary>The file the command reads (the scenario; <c>run</c> with none reads the default one), or null.</summary>
    private static string? InputFile(ParseResult parse)
    {
        foreach (var argument in parse.CommandResult.Command.Arguments)
        {
            if (argument is Argument<string> { Name: "FILE" } file)
            {
                return parse.GetValue(file) ?? (parse.CommandResult.Command.Name == "run" ? ScenarioFiles.DefaultScenarioName : null);
            }
        }

        return null;
    }

    /// <summary>
    /// The one error for a first word that names no command (<c>irqlab frob</c>), in place of System.CommandLine's
    /// "Required command was not provided." and an "Unrecognized command or argument" line per word; null otherwise.
    /// </summary>
    private static string? UnknownCommand(ParseResult parse, RootCommand root)
    {
        if (parse.CommandResult.Command != root || parse.UnmatchedTokens.Count == 0 || parse.UnmatchedTokens[0].StartsWith('-'))
        {
            return null;
        }

        return $"unknown command '{parse.UnmatchedTokens[0]}' (commands: {string.Join(", ", root.Subcommands.Select(c => c.Name))})";
    }

    /// <summary>
    /// The error for a word the command did not take (System.CommandLine's "Unrecognized command or argument 'X'."), in
    /// the words a command's FILE argument uses: an unknown option is <c>unrecognized option 'X'</c> whether or not the
    /// command has a FILE argument, and a surplus argument names the command's usage (<c>irqlab run a b</c>:
    /// <c>unexpected argument 'b' (usage: irqlab run [&lt;FILE&gt;] [options])</c>). Null for any other error.
    /// </summary>
    private static string? LeftoverWord(string message, ParseResult parse)
    {
        foreach (var token in parse.UnmatchedTokens)
        {
            if (message == $"Unrecognized command or argument '{token}'.")
            {
                return token.StartsWith('-') && token.Length > 1
                    ? $"unrecognized option '{token}'"
                    : $"unexpected argument '{token}' (usage: irqlab {RootHelp.CommandLabel(parse.CommandResult.Command)} [options])";
            }
        }

        return null;
    }

    /// <summary>The stderr line of an argument error; the JSON error object's message is the same text.</summary>
    private static string ErrorLine(string message) => $"irqlab: error: {message}";

    /// <summary>
    /// True when the command line asks for JSON: the command it names has a <c>--json</c> option and it was given (and not
    /// as <c>--json false</c>). Read from the parse even when the parse failed, so argument errors also print the error
    /// object.
    /// </summary>
    private static bool WantsJson(ParseResult parse)
    {
        foreach (var option in parse.CommandResult.Command.Options)
        {
            if (option is Option<bool> { Name: "--json" } json && parse.GetResult(json) is { Implicit: false })
            {
                return parse.GetValue(json);
            }
        }

        return false;
    }
}
