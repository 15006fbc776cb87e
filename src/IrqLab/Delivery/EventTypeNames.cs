namespace IrqLab.Delivery;

/// <summary>The spellings of <see cref="EventType"/> in the JSON output (SCENARIOS.md §10, <c>event</c>).</summary>
public static class EventTypeNames
{
    /// <summary>The JSON name: <c>ext_int</c>, <c>reserved</c>, <c>nmi</c>, <c>hw_exc</c>, <c>sw_int</c>, <c>priv_sw_exc</c>, <c>sw_exc</c>, <c>other</c>.</summary>
    public static string ToJsonName(EventType type) => type switch
    {
        EventType.ExternalInterrupt => "ext_int",
        EventType.Reserved => "reserved",
        EventType.Nmi => "nmi",
        EventType.HardwareException => "hw_exc",
        EventType.SoftwareInterrupt => "sw_int",
        EventType.PrivilegedSoftwareException => "priv_sw_exc",
        EventType.SoftwareException => "sw_exc",
        EventType.Other => "other",
        _ => throw new ArgumentOutOfRangeException(nameof(type), type, "event types are 0..7"),
    };

    /// <summary>Parses a JSON name back; false for an unknown name.</summary>
    public static bool TryParse(string? name, out EventType type)
    {
        for (var t = EventType.ExternalInterrupt; t <= EventType.Other; t++)
        {
            if (name == ToJsonName(t))
            {
                type = t;
                return true;
            }
        }

        type = default;
        return false;
    }
}
