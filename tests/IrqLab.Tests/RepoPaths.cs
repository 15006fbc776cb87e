namespace IrqLab.Tests;

/// <summary>Locates files of the repository (scenarios/, docs/) from the test's output directory.</summary>
internal static class RepoPaths
{
    public static string Root { get; } = FindRoot();

    public static string Scenarios => Path.Combine(Root, "scenarios");

    public static string Scenario(string name) => Path.Combine(Scenarios, name);

    private static string FindRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "IrqLab.slnx")))
            {
                return dir.FullName;
            }
        }

        throw new InvalidOperationException("IrqLab.slnx not found above " + AppContext.BaseDirectory);
    }
}
