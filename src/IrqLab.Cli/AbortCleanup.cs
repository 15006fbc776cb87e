using System.Runtime.InteropServices;

namespace IrqLab.Cli;

/// <summary>
/// Removes one <see cref="OutputFile"/>'s temporary file when a signal ends the process while it is being written
/// (SIGINT from Ctrl-C, SIGTERM, SIGHUP, SIGQUIT). docs/cli.md: a failed or aborted command leaves no partial file; a
/// signal skips every <c>finally</c> and <c>Dispose</c>, so without this the hidden <c>.NAME.*.tmp</c> beside the output
/// stayed behind. The handler only deletes the file: the signal's default action then ends the process as before. The
/// handlers are registered for as long as the temporary file exists (one instance per file, no process-wide list).
/// </summary>
internal sealed class AbortCleanup : IDisposable
{
    private readonly Lock _lock = new();
    private readonly string _temporary;
    private readonly PosixSignalRegistration[] _registrations;
    private bool _settled;

    /// <summary>Deletes <paramref name="temporary"/> if a signal ends the process before <see cref="MoveIntoPlace"/> or <see cref="Dispose"/>.</summary>
    public AbortCleanup(string temporary)
    {
        _temporary = temporary;
        _registrations =
        [
            PosixSignalRegistration.Create(PosixSignal.SIGINT, OnSignal),
            PosixSignalRegistration.Create(PosixSignal.SIGTERM, OnSignal),
            PosixSignalRegistration.Create(PosixSignal.SIGHUP, OnSignal),
            PosixSignalRegistration.Create(PosixSignal.SIGQUIT, OnSignal),
        ];
    }

    /// <summary>
    /// Renames the complete temporary file over <paramref name="target"/>; a signal comes either before (the temporary
    /// file is deleted) or after (the file is in place), never in between.
    /// </summary>
    public void MoveIntoPlace(string target)
    {
        lock (_lock)
        {
            File.Move(_temporary, target, overwrite: true);
            _settled = true;
        }

        Dispose();
    }

    /// <summary>Stops watching (the command deleted the temporary file itself, or moved it into place).</summary>
    public void Dispose()
    {
        lock (_lock)
        {
            _settled = true;
        }

        foreach (var registration in _registrations)
        {
            registration.Dispose();
        }
    }

    private void OnSignal(PosixSignalContext context)
    {
        lock (_lock)
        {
            if (_settled)
            {
                return;
            }

            _settled = true;
            try
            {
                File.Delete(_temporary);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                // The process is ending; nothing more can be done.
            }
        }
    }
}
