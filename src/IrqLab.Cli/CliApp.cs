namespace IrqLab.Cli;

/// <summary>The irqlab command line: parses arguments and prints; decisions live in the library.</summary>
internal static class CliApp
{
    public static int Run(string[] args, TextWriter stdout, TextWriter stderr)
    {
        stdout.WriteLine("irqlab");
        return 0;
    }
}
