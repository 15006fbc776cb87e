using System.Diagnostics;
using System.Globalization;

namespace IrqLab.Cli;

/// <summary>A one-line progress bar on stderr, shown only when stderr is a terminal and the run takes over a second.</summary>
internal sealed class ProgressLine(CliContext cli) : IDisposable
{
    private readonly Stopwatch _wall = Stopwatch.StartNew();
    private readonly bool _enabled = cli.IsConsole && !Console.IsErrorRedirected;
    private long _lastDrawMs;
    private bool _drawn;

    public void Report(long nowNs, long endNs)
    {
        if (!_enabled || endNs <= 0)
        {
            return;
        }

        var ms = _wall.ElapsedMilliseconds;
        if (ms < 1000 || ms - _lastDrawMs < 100)
        {
            return;
        }

        _lastDrawMs = ms;
        var fraction = Math.Clamp((double)nowNs / endNs, 0, 1);
        var filled = (int)(fraction * 30);
        cli.Error.Write(string.Create(CultureInfo.InvariantCulture, $"\r[{new string('#', filled)}{new string('.', 30 - filled)}] {fraction * 100,5:0.0}%  simulated {nowNs / 1e6:0.###} ms"));
        _drawn = true;
    }

    public void Done()
    {
        if (_drawn)
        {
            cli.Error.Write("\r" + new string(' ', 70) + "\r");
            _drawn = false;
        }
    }

    public void Dispose() => Done();
}
