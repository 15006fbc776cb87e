using IrqLab.Benchmarks;
using Xunit;

namespace IrqLab.Tests.Benchmarks;

/// <summary>The seeded input: deterministic, drawn only from the kernel's alphabet, different per seed.</summary>
public sealed class BenchSequenceTests
{
    [Fact]
    public void Same_seed_same_sequence()
    {
        Assert.Equal(BenchSequence.Create(42, 1000, SystemVectorKernel.Alphabet), BenchSequence.Create(42, 1000, SystemVectorKernel.Alphabet));
    }

    [Fact]
    public void Different_seed_different_sequence()
    {
        Assert.NotEqual(BenchSequence.Create(42, 1000, SystemVectorKernel.Alphabet), BenchSequence.Create(43, 1000, SystemVectorKernel.Alphabet));
    }

    [Fact]
    public void Every_vector_comes_from_the_alphabet_and_every_alphabet_vector_appears()
    {
        var alphabet = SystemVectorKernel.Alphabet.ToArray();
        var seq = BenchSequence.Create(BenchSequence.DefaultSeed, BenchSequence.DefaultLength, alphabet);
        Assert.All(seq, v => Assert.Contains(v, alphabet));
        Assert.Equal(alphabet.Order(), seq.Distinct().Order());
    }

    [Theory]
    [InlineData(0x20, 0xff)]
    [InlineData(0x10, 0x10)]
    public void Range_sequences_stay_in_range(int first, int last)
    {
        var seq = BenchSequence.CreateRange(1, 500, first, last);
        Assert.All(seq, v => Assert.InRange(v, first, last));
    }
}
