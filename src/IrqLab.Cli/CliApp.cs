using System.CommandLine;
using System.CommandLine.Help;
using System.CommandLine.Parsing;
using IrqLab.Cli.Commands;
using IrqLab.Scenarios.Syntax;

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
        try
        {
            return RunParsed(args, stdout, stderr);
        }
        catch (Exception e) when (IsOutputFailure(e))
        {
            // stderr could not take the report either (closed, 2>&-, or full): nothing can be said; exit 2 as for any
            // output that cannot be written (docs/cli.md), not an unhandled exception and SIGABRT.
            return ExitBadInput;
        }
    }

    private static int RunParsed(string[] args, TextWriter stdout, TextWriter stderr)
    {
        var context = new CliContext(stdout, stderr) { Args = args };
        var root = BuildRoot(context);
        var parse = root.Parse(args);
        var json = WantsJson(parse, context);
        if (parse.Errors.Count > 0)
        {
            var messages = UnknownCommand(args, root) is { } unknown
                ? [unknown]
                : ArgumentErrors(parse, context);
            foreach (var message in messages)
            {
                stderr.WriteLine(ErrorLine(message));
            }

            stderr.WriteLine("Run 'irqlab --help' for usage.");
            if (json)
            {
                // One error object (SCENARIOS.md §10): the first error, as its line on stderr reads.
                WriteUsageJsonError(context, CliUsageException.UsageCode, ErrorLine(messages[0]), file: null);
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
                WriteUsageJsonError(context, e.Code, ErrorLine(e.Message), e.File);
            }

            return ExitBadInput;
        }
        catch (Exception e) when (IsOutputFailure(e))
        {
            // Not a bug in IrqLab but its environment: stdout could not be written (a full disk, /dev/full, a closed
            // descriptor) or another I/O failure that the command's own file handling did not name. Bad input/output,
            // exit 2 (docs/cli.md).
            var line = ErrorLine($"I/O error: {OutputFailureMessage(e)}");
            stderr.WriteLine(line);
            if (json)
            {
                try
                {
                    ScenarioFiles.WriteJsonError(context, IrqLab.Scenarios.ErrorCodes.Io, line, file: null, line: null, column: null);
                }
                catch (Exception e2) when (IsOutputFailure(e2))
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
                catch (Exception e2) when (IsOutputFailure(e2))
                {
                    // stdout itself failed (a full disk): the line on stderr is all that can be said.
                }
            }

            return ExitInternalError;
        }
    }

    /// <summary>
    /// The error object of a usage error (<c>--json</c>). A stdout that cannot take it (a full disk, <c>&gt; /dev/full</c>)
    /// adds the I/O error line on stderr, as a command's own output does, instead of an unhandled exception: the exit
    /// code stays 2 (docs/cli.md).
    /// </summary>
    private static void WriteUsageJsonError(CliContext context, string code, string message, string? file)
    {
        try
        {
            ScenarioFiles.WriteJsonError(context, code, message, file, line: null, column: null);
        }
        catch (Exception e) when (IsOutputFailure(e))
        {
            context.Error.WriteLine(ErrorLine($"I/O error: {OutputFailureMessage(e)}"));
        }
    }

    /// <summary>
    /// A write to stdout or stderr that the system refused: an <see cref="IOException"/> (ENOSPC, EPIPE), or the
    /// <see cref="UnauthorizedAccessException"/> .NET makes of EBADF, a closed descriptor (<c>&gt;&amp;-</c>), around the
    /// IOException that names it ("Bad file descriptor").
    /// </summary>
    private static bool IsOutputFailure(Exception e) => e is IOException or UnauthorizedAccessException { InnerException: IOException };

    /// <summary>What the system said of an output failure (<see cref="IsOutputFailure"/>): the IOException's message.</summary>
    private static string OutputFailureMessage(Exception e) => e is UnauthorizedAccessException { InnerException: IOException io } ? io.Message : e.Message;

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
    /// The one error for a first word that names no command (<c>irqlab frob</c>, <c>irqlab rn</c>, <c>irqlab help run</c>),
    /// in place of System.CommandLine's "Required command was not provided." and an "Unrecognized command or argument"
    /// line per word, or, when a later word names a command, an "unexpected argument" of that command; null otherwise.
    /// A misspelt command gets a "did you mean" hint, <c>help</c> the help options, and a scenario file given without a
    /// command the <c>run</c> line.
    /// </summary>
    private static string? UnknownCommand(string[] args, RootCommand root)
    {
        if (args.Length == 0 || args[0].StartsWith('-') || root.Subcommands.Any(c => c.Name == args[0]))
        {
            return null;
        }

        var word = args[0];
        var names = root.Subcommands.Select(c => c.Name).ToList();
        var hint = Hints.DidYouMean(word, names);
        if (hint.Length == 0 && string.Equals(word, "help", StringComparison.OrdinalIgnoreCase))
        {
            hint = "; for help: irqlab --help, or irqlab COMMAND --help";
        }
        else if (hint.Length == 0 && IsScenarioFileName(word))
        {
            hint = $"; to run a scenario: irqlab run {word}";
        }

        return $"unknown command '{word}'{hint} (commands: {string.Join(", ", names)})";
    }

    private static bool IsScenarioFileName(string word) =>
        word.EndsWith(".yaml", StringComparison.OrdinalIgnoreCase) || word.EndsWith(".yml", StringComparison.OrdinalIgnoreCase) ||
        word.EndsWith(".json", StringComparison.OrdinalIgnoreCase);

    /// <summary>
    /// The errors of a parse that named a command, in System.CommandLine's order except that unknown options come first,
    /// each once in command-line order, with a "did you mean" hint among the command's options (<c>unrecognized option '--jsn'; did you mean
    /// '--json'?</c>). The words after an unknown option are not reported as surplus arguments: one may be its value, and
    /// then the scenario file is pushed out of its place (<c>run --sed 3 s.yaml</c> reported <c>unexpected argument '3'</c>
    /// and <c>unexpected argument 's.yaml'</c> before the option, and the JSON error object named <c>'3'</c>).
    /// </summary>
    private static List<string> ArgumentErrors(ParseResult parse, CliContext cli)
    {
        var command = parse.CommandResult.Command;
        // An unknown option is a word System.CommandLine did not take, or one a FILE argument took and refused.
        var unknownOptions = parse.UnmatchedTokens.Where(t => IsOptionWord(t) && !cli.IsAfterEndOfOptions(t))
            .Concat(parse.Errors.Select(e => FileArguments.UnrecognizedOption(e.Message)).OfType<string>())
            .Distinct(StringComparer.Ordinal)
            .OrderBy(o => parse.Tokens.ToList().FindIndex(t => t.Value == o))
            .ToList();
        var messages = unknownOptions.Select(o => $"unrecognized option '{o}'{OptionHint(o, parse)}").ToList();
        foreach (var error in parse.Errors)
        {
            if (FileArguments.UnrecognizedOption(error.Message) is not null)
            {
                continue;
            }

            if (LeftoverWord(error.Message, parse) is not { } token)
            {
                messages.Add(error.Message);
            }
            else if (unknownOptions.Count == 0)
            {
                messages.Add($"unexpected argument '{token}' (usage: irqlab {RootHelp.CommandLabel(command)} [options])");
            }
        }

        return messages;
    }

    private static bool IsOptionWord(string token) => token.StartsWith('-') && token.Length > 1;

    /// <summary>
    /// "; did you mean '--json'?" for an unknown option close to one of the command's visible options (compared without
    /// their dashes, so <c>-json</c> and <c>---seed</c> find theirs), "; options go after the command" for one of the
    /// command's options given before it, or the empty string.
    /// </summary>
    private static string OptionHint(string given, ParseResult parse)
    {
        var command = parse.CommandResult.Command;
        var tokens = parse.Tokens.ToList();
        var commandAt = tokens.FindIndex(t => t.Type == TokenType.Command);
        if (commandAt > 0 && tokens.FindIndex(t => t.Value == given) < commandAt &&
            command.Options.Any(o => o.Name == given || o.Aliases.Contains(given)))
        {
            // 'irqlab --json run s.yaml': the option is the command's, given before it (the root takes none but --help
            // and --version).
            return $"; options go after the command: irqlab {command.Name} {given}";
        }

        var names = command.Options.Where(o => !o.Hidden)
            .SelectMany(o => o.Aliases.Prepend(o.Name))
            .Where(n => n.StartsWith("--", StringComparison.Ordinal))
            .Distinct(StringComparer.Ordinal)
            .ToList();
        var bare = given.TrimStart('-');
        var eq = bare.IndexOf('=', StringComparison.Ordinal);
        if (eq > 0)
        {
            bare = bare[..eq];
        }

        if (names.FirstOrDefault(n => string.Equals(n[2..], bare, StringComparison.OrdinalIgnoreCase) && n != given) is { } same)
        {
            return $"; did you mean '{same}'?";
        }

        return Hints.Suggest(bare, names.Select(n => n[2..])) is { } close ? $"; did you mean '--{close}'?" : string.Empty;
    }

    /// <summary>
    /// The token of System.CommandLine's "Unrecognized command or argument 'X'." (a word the command did not take), or
    /// null for any other error.
    /// </summary>
    private static string? LeftoverWord(string message, ParseResult parse)
    {
        foreach (var token in parse.UnmatchedTokens)
        {
            if (message == $"Unrecognized command or argument '{token}'.")
            {
                return token;
            }
        }

        return null;
    }

    /// <summary>The stderr line of an argument error; the JSON error object's message is the same text.</summary>
    private static string ErrorLine(string message) => $"irqlab: error: {message}";

    /// <summary>
    /// True when the command line asks for JSON: the command it names has a <c>--json</c> option and it was given (and not
    /// as <c>--json false</c>), or given before the command. Read from the parse even when the parse failed, so argument
    /// errors also print the error object.
    /// </summary>
    private static bool WantsJson(ParseResult parse, CliContext cli)
    {
        foreach (var option in parse.CommandResult.Command.Options)
        {
            if (option is Option<bool> { Name: "--json" } json)
            {
                // Given before the command ('irqlab --json run s.yaml'), it is a usage error, reported as asked.
                return parse.GetResult(json) is { Implicit: false } ? parse.GetValue(json) : parse.UnmatchedTokens.Contains("--json") && !cli.IsAfterEndOfOptions("--json");
            }
        }

        return false;
    }
}
