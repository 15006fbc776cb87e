using System.Runtime.InteropServices;

namespace IrqLab.Cli;

/// <summary>
/// Removes the temporary files of the <see cref="OutputFile"/>s still being written when a signal ends the process
/// (SIGINT from Ctrl-C, SIGTERM, SIGHUP, SIGQUIT). docs/cli.md: a failed or aborted command leaves no partial file; a
/// signal skips every <c>finally</c> and <c>Dispose</c>, so without this the hidden <c>.NAME.*.tmp</c> beside the output
/// stayed behind. The handler only deletes the files: the signal's default action then ends the process as before.
/// </summary>
internal static class AbortCleanup
{
    private static readonly Lock s_lock = new();
    private static readonly HashSet<string> s_temporaries = new(StringComparer.Ordinal);
    private static PosixSignalRegistration[]? s_registrations;

    /// <summary>Deletes <paramref name="temporary"/> if a signal ends the process before <see cref="MoveIntoPlace"/> or <see cref="Forget"/>.</summary>
    public static void Track(string temporary)
    {
        lock (s_lock)
        {
            s_temporaries.Add(temporary);
            s_registrations ??=
            [
                PosixSignalRegistration.Create(PosixSignal.SIGINT, OnSignal),
                PosixSignalRegistration.Create(PosixSignal.SIGTERM, OnSignal),
                PosixSignalRegistration.Create(PosixSignal.SIGHUP, OnSignal),
                PosixSignalRegistration.Create(PosixSignal.SIGQUIT, OnSignal),
            ];
        }
    }

    /// <summary>
    /// Renames the complete <paramref name="temporary"/> over <paramref name="target"/>; a signal comes either before
    /// (the temporary file is deleted) or after (the file is in place), never in between.
    /// </summary>
    public static void MoveIntoPlace(string temporary, string target)
    {
        lock (s_lock)
        {
            File.Move(temporary, target, overwrite: true);
            s_temporaries.Remove(temporary);
        }
    }

    /// <summary>Stops tracking <paramref name="temporary"/> (the command deleted it itself).</summary>
    public static void Forget(string temporary)
    {
        lock (s_lock)
        {
            s_temporaries.Remove(temporary);
        }
    }

    private static void OnSignal(PosixSignalContext context)
    {
        lock (s_lock)
        {
            foreach (var temporary in s_temporaries)
            {
                try
                {
                    File.Delete(temporary);
                }
                catch (Exception e) when (e is IOException or UnauthorizedAccessException)
                {
                    // The process is ending; nothing more can be done.
                }
            }

            s_temporaries.Clear();
        }
    }
}
