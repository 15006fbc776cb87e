using IrqLab.Scenarios.Model;
using IrqLab.Tracing;

namespace IrqLab.Simulation;

/// <summary>Device lines and messages: raise, lower, pulse, and the wire-OR of shared lines.</summary>
internal sealed partial class Machine
{
    private void DeviceOp(LineOp op, SimDevice d, int vectorIndex)
    {
        switch (op)
        {
            case LineOp.Raise:
                RaiseDevice(d, vectorIndex);
                break;
            case LineOp.Lower:
                if (!d.IsMessageSignalled)
                {
                    d.Asserted = false;
                    UpdateLine(d);
                }

                break;
            case LineOp.Pulse:
                RaiseDevice(d, vectorIndex);
                if (!d.IsMessageSignalled)
                {
                    d.Asserted = false;
                    UpdateLine(d);
                }

                break;
        }
    }

    /// <summary>The device asserts its interrupt: a line goes active (an edge if it was idle), an MSI is written.</summary>
    private void RaiseDevice(SimDevice d, int vectorIndex)
    {
        if (_sinks.Length > 0)
        {
            TraceRaise(d);
        }

        if (d.Unbound)
        {
            _sourceRaised++;
            _sourceDropped++;
            return;
        }

        if (d.Msi is { } table)
        {
            if (table.Fire(vectorIndex) != Hardware.Msi.MsiDecodeError.None)
            {
                _sourceRaised++;
                _sourceDropped++;
            }

            return;
        }

        if (d.Asserted)
        {
            // Already asserted: an edge line sees no new edge, a level line is already active.
            _sourceRaised++;
            _sourceCoalesced++;
            return;
        }

        d.Asserted = true;
        UpdateLine(d);
    }

    /// <summary>Drives the wire of <paramref name="d"/> (wire-OR of every device sharing it) into the IOAPIC pin and the 8259.</summary>
    private void UpdateLine(SimDevice d, bool sinceReset = false)
    {
        if (d.IsMessageSignalled)
        {
            return;
        }

        var asserted = false;
        foreach (var other in _devices)
        {
            if (other.Asserted && SameLine(other, d))
            {
                asserted = true;
                break;
            }
        }

        // One edge reaches both chips at once. The 8259 latches it in IRR as it happens, while an IO-APIC entry
        // programmed ExtINT only sends a message, and the CPU's INTA cycle for it, "routed to the external controller"
        // (SDM Vol. 3A §11.5.1, ExtINT), comes later. So the 8259 is driven first: an ExtINT message for this very edge
        // finds the request latched (driving the IO-APIC first lost it: the 8259 had no request yet).
        if (d.PicIrq >= 0)
        {
            _pic?.SetIrq(d.PicIrq, asserted);
        }

        if (d.IoApic >= 0)
        {
            var high = d.ActiveLow ? !asserted : asserted;
            if (sinceReset)
            {
                _ioApics[d.IoApic].SetResetPinLevel(d.Pin, high);
            }
            else
            {
                _ioApics[d.IoApic].SetPinLevel(d.Pin, high);
            }
        }
    }

    private static bool SameLine(SimDevice a, SimDevice b) =>
        (a.IoApic >= 0 && a.IoApic == b.IoApic && a.Pin == b.Pin) || (a.PicIrq >= 0 && a.PicIrq == b.PicIrq);
}
