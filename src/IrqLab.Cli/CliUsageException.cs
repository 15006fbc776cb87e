namespace IrqLab.Cli;

/// <summary>A bad argument found after parsing (a file that does not exist, a bad --config pair): exit 2.</summary>
internal sealed class CliUsageException(string message) : Exception(message);
