using IrqLab.Scenarios;

namespace IrqLab.Cli;

/// <summary>
/// A file the CLI writes (a trace, a plot): every I/O failure, at open, while writing or at the end, is the usage error
/// <c>cannot write 'PATH': reason</c> (exit 2, code <c>io</c>), never an internal error; and a failed write leaves no
/// empty or partial file behind. A new file or an existing regular file is written to a temporary file in the same
/// directory and renamed over PATH by <see cref="Commit"/> (an existing file keeps its old content when the write fails);
/// anything else (a pipe, <c>/dev/null</c>, a terminal, a symbolic link) is written in place (see <see cref="RenameTarget"/>).
/// A signal that ends the process mid-write (Ctrl-C, SIGTERM) deletes the temporary file too (<see cref="AbortCleanup"/>).
/// </summary>
internal sealed class OutputFile : IDisposable
{
    private readonly string _path;
    private readonly FileStream _file;
    private readonly string? _temporary;
    private readonly string? _target;
    private readonly AbortCleanup? _abort;
    private bool _done;

    private OutputFile(string path, FileStream file, string? temporary, string? target, AbortCleanup? abort)
    {
        _path = path;
        _file = file;
        _temporary = temporary;
        _target = target;
        _abort = abort;
        Stream = new GuardedStream(this);
    }

    /// <summary>The stream to write to; its I/O errors are <see cref="CliUsageException"/>s naming the file.</summary>
    public Stream Stream { get; }

    /// <summary>Opens <paramref name="path"/> for writing; a path that cannot be written is a usage error (exit 2).</summary>
    public static OutputFile Create(string path)
    {
        try
        {
            var target = RenameTarget(path, out var inPlace);
            if (inPlace is not null)
            {
                return new OutputFile(path, inPlace, temporary: null, target: null, abort: null);
            }

            var directory = Path.GetDirectoryName(Path.GetFullPath(target!))!;
            var temporary = Path.Combine(directory, $".{Path.GetFileName(target)}.{Path.GetRandomFileName()}.tmp");
            var file = new FileStream(temporary, FileMode.CreateNew, FileAccess.Write, FileShare.None, 64 * 1024);
            var output = new OutputFile(path, file, temporary, target, new AbortCleanup(temporary));
            try
            {
                if (!OperatingSystem.IsWindows() && File.Exists(target))
                {
                    File.SetUnixFileMode(file.SafeFileHandle, File.GetUnixFileMode(target));
                }
            }
            catch (Exception e) when (IsIoError(e))
            {
                output.Dispose(); // removes the temporary file
                throw;
            }

            return output;
        }
        catch (Exception e) when (IsIoError(e))
        {
            throw Failure(path, e);
        }
    }

    /// <summary>
    /// Refuses to write <paramref name="path"/> when it is one of the command's <paramref name="inputs"/> (<c>trace
    /// FILE -o FILE</c> would replace the scenario with its trace).
    /// </summary>
    public static void RejectInput(string path, string option, params string?[] inputs)
    {
        var output = FinalPath(path);
        foreach (var input in inputs)
        {
            if (input is not null && string.Equals(FinalPath(input), output, OperatingSystem.IsWindows() ? StringComparison.OrdinalIgnoreCase : StringComparison.Ordinal))
            {
                throw new CliUsageException($"{option} '{path}' is the input file '{input}': refusing to overwrite it", ErrorCodes.Io, path);
            }
        }
    }

    /// <summary>Flushes the data and moves it into place; after this, <see cref="Dispose"/> keeps the file.</summary>
    public void Commit()
    {
        Guard(() =>
        {
            _file.Flush();
            _file.Dispose();
            if (_temporary is not null)
            {
                _abort!.MoveIntoPlace(_target!);
            }
        });
        _done = true;
    }

    /// <summary>Without <see cref="Commit"/> (the command failed): closes the file and removes the temporary file.</summary>
    public void Dispose()
    {
        if (_done)
        {
            return;
        }

        _done = true;
        try
        {
            _file.Dispose();
        }
        catch (Exception e) when (IsIoError(e))
        {
            // Data that could not be flushed belongs to a file that is being thrown away.
        }

        if (_temporary is not null)
        {
            try
            {
                File.Delete(_temporary);
            }
            catch (Exception e) when (IsIoError(e))
            {
                // Nothing more can be done; the original error is the one to report.
            }

            _abort?.Dispose();
        }
    }

    /// <summary>
    /// Where the temporary file is renamed to, or null with <paramref name="inPlace"/> opened when <paramref name="path"/>
    /// must be written in place. .NET cannot tell a regular file from a device, so only what is surely a regular file is
    /// replaced by a rename: a path that does not exist, or an existing file (not a symbolic link) with data in it (a
    /// device, a pipe or a terminal reports size 0). The rest (/dev/null, /dev/stdout, a FIFO, a symbolic link, an empty
    /// file) is truncated and written in place, as <see cref="File.Create(string)"/> does, and never deleted.
    /// </summary>
    private static string? RenameTarget(string path, out FileStream? inPlace)
    {
        inPlace = null;
        if (Directory.Exists(path))
        {
            throw new UnauthorizedAccessException();
        }

        var info = new FileInfo(path);
        if (info.LinkTarget is null && (!info.Exists || info.Length > 0))
        {
            return path;
        }

        inPlace = new FileStream(path, FileMode.Create, FileAccess.Write, FileShare.Read, 64 * 1024);
        return null;
    }

    private static string FinalPath(string path)
    {
        var full = Path.GetFullPath(path);
        try
        {
            return File.ResolveLinkTarget(full, returnFinalTarget: true)?.FullName ?? full;
        }
        catch (IOException)
        {
            return full;
        }
    }

    private static bool IsIoError(Exception e) => e is IOException or UnauthorizedAccessException or ArgumentException or NotSupportedException;

    private static CliUsageException Failure(string path, Exception e) =>
        new($"cannot write '{path}': {FileErrors.Reason(path, e)}", ErrorCodes.Io, path);

    private void Guard(Action action)
    {
        try
        {
            action();
        }
        catch (Exception e) when (IsIoError(e))
        {
            throw Failure(_path, e);
        }
    }

    /// <summary>The file's stream with I/O errors turned into the usage error that names the file.</summary>
    private sealed class GuardedStream(OutputFile owner) : WriteOnlyStream
    {
        public override void Write(ReadOnlySpan<byte> buffer)
        {
            try
            {
                owner._file.Write(buffer);
            }
            catch (Exception e) when (IsIoError(e))
            {
                throw Failure(owner._path, e);
            }
        }

        public override void Flush() => owner.Guard(owner._file.Flush);
    }
}
