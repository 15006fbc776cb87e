using System.Runtime.InteropServices;

namespace IrqLab.Benchmarks;

/// <summary>
/// The loaded <c>libirqlab_native.so</c>: its kernels are called through unmanaged function pointers looked up with
/// <see cref="NativeLibrary.GetExport"/>, so each run uses the library it was given (no process-wide import resolver).
/// </summary>
internal sealed unsafe class NativeReference : IDisposable
{
    /// <summary>The interface version this code expects (<c>IRQLAB_NATIVE_ABI</c> of irqlab_native.h).</summary>
    public const int AbiVersion = 1;

    private readonly Dictionary<string, nint> _exports = new(StringComparer.Ordinal);
    private nint _handle;

    private NativeReference(nint handle, string path)
    {
        _handle = handle;
        Path = path;
    }

    /// <summary>The library's path.</summary>
    public string Path { get; }

    /// <summary>FIRST_SYSTEM_VECTOR of the native system vector table.</summary>
    public int FirstSystemVector => ((delegate* unmanaged<int>)Export("irqlab_native_first_system_vector"))();

    /// <summary>Loads the library at <paramref name="path"/> and checks its interface version.</summary>
    public static NativeReference Load(string path)
    {
        if (ElfCompleteness.Problem(path) is { } problem)
        {
            // dlopen would map the missing pages and die of SIGBUS touching them (ElfCompleteness).
            throw new BenchSetupException($"{path} is not a whole library ({problem}): a half-written build; rebuild bench/native");
        }

        nint handle;
        try
        {
            handle = NativeLibrary.Load(path);
        }
        catch (DllNotFoundException e)
        {
            throw new BenchSetupException($"cannot load the native reference {path}: {e.Message}", e);
        }
        catch (BadImageFormatException e)
        {
            throw new BenchSetupException($"{path} is not a loadable native library: {e.Message}", e);
        }

        var reference = new NativeReference(handle, path);
        var abi = ((delegate* unmanaged<int>)reference.Export("irqlab_native_abi_version"))();
        if (abi != AbiVersion)
        {
            reference.Dispose();
            throw new BenchSetupException($"{path} has interface version {abi}, expected {AbiVersion}: rebuild bench/native");
        }

        return reference;
    }

    /// <summary>Runs kernel <paramref name="export"/> for <paramref name="iterations"/> passes over <paramref name="vectors"/>;
    /// returns its own ns/op and the checksum of its final state.</summary>
    public double Run(string export, byte[] vectors, int iterations, out ulong checksum)
    {
        ArgumentNullException.ThrowIfNull(vectors);
        var fn = (delegate* unmanaged<byte*, int, int, ulong*, double>)Export(export);
        ulong sum = 0;
        double ns;
        fixed (byte* p = vectors)
        {
            ns = fn(p, vectors.Length, iterations, &sum);
        }

        checksum = sum;
        return ns;
    }

    /// <inheritdoc/>
    public void Dispose()
    {
        if (_handle != 0)
        {
            NativeLibrary.Free(_handle);
            _handle = 0;
        }
    }

    private nint Export(string name)
    {
        ObjectDisposedException.ThrowIf(_handle == 0, this);
        if (_exports.TryGetValue(name, out var address))
        {
            return address;
        }

        if (!NativeLibrary.TryGetExport(_handle, name, out address))
        {
            throw new BenchSetupException($"{Path} has no export {name}: rebuild bench/native");
        }

        _exports[name] = address;
        return address;
    }
}
