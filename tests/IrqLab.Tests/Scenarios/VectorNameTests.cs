using IrqLab.Delivery;
using IrqLab.Kernel;
using IrqLab.Scenarios;
using IrqLab.Scenarios.Model;
using IrqLab.Tests.Kernel;
using IrqLab.Vectors;
using Xunit;

namespace IrqLab.Tests.Scenarios;

/// <summary>
/// SCENARIOS.md §7: "<c>vector</c> may be a name". The names a user sees are the ones <c>irqlab vectors</c> prints (§11):
/// the <c>irq_vectors.h</c> system-vector constants, the <c>trapnr.h</c> exception constants (<c>X86_TRAP_PF</c>) and
/// <c>ISA_IRQ_VECTOR(n)</c> (arch/x86/include/asm/irq_vectors.h). Every one of them must load as the vector it names;
/// the exception and ISA names used to be refused as unknown.
/// </summary>
public sealed class VectorNameTests
{
    public static TheoryData<string, string, int> PrintedNames()
    {
        var data = new TheoryData<string, string, int>();
        foreach (var version in new[] { KernelVersion.V6_1, KernelVersion.V6_6, KernelVersion.V6_9, KernelVersion.V6_10, KernelVersion.Latest })
        {
            foreach (var entry in KernelVectorTable.Build(version, KernelVariant.Mainline, DeliveryKind.Idt, K.Config()))
            {
                if (entry.Name is not null)
                {
                    data.Add(version.ToName(), entry.Name, entry.Vector);
                }
            }
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(PrintedNames))]
    public void Every_name_irqlab_vectors_prints_loads_as_its_vector_section_7_and_11(string version, string name, int vector)
    {
        var s = ScenarioLoader.Parse(
            $"irqlab: 1\nname: t\nkernel: {{version: \"{version}\"}}\nsteps: [{{ipi: {{from: 0, to: self, vector: \"{name}\"}}}}]\n",
            "t.yaml");
        Assert.Equal(vector, ((IpiStep)s.Steps[0]).Vector);
    }

    [Theory]
    [InlineData("ISA_IRQ_VECTOR(16)")]
    [InlineData("ISA_IRQ_VECTOR(-1)")]
    [InlineData("ISA_IRQ_VECTOR()")]
    [InlineData("ISA_IRQ_VECTOR(0x3)")]
    [InlineData("X86_TRAP_XX")]
    public void Names_irqlab_vectors_does_not_print_stay_unknown(string name)
    {
        var e = Assert.Throws<ScenarioException>(() => ScenarioLoader.Parse(
            $"irqlab: 1\nname: t\nsteps: [{{ipi: {{from: 0, to: self, vector: \"{name}\"}}}}]\n", "t.yaml"));
        Assert.Equal(ErrorCodes.UnknownName, e.Code);
    }
}
