namespace IrqLab.Benchmarks;

/// <summary>The machine a benchmark ran on (the <c>machine</c> object of SCENARIOS.md §12).</summary>
/// <param name="CpuModel">The first <c>model name</c> of /proc/cpuinfo, or <c>"unknown"</c>.</param>
/// <param name="Cores">Logical processors available to the process.</param>
/// <param name="Dotnet">The .NET runtime version.</param>
/// <param name="Cc">The C compiler: the one the native reference records in its ELF <c>.comment</c> section, else the first line of <c>cc --version</c> (<c>"gcc 12.2.0"</c>); null without either.</param>
public sealed record BenchMachine(string CpuModel, int Cores, string Dotnet, string? Cc);
