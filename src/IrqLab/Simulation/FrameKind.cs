namespace IrqLab.Simulation;

/// <summary>What kind of handler a <see cref="Frame"/> runs.</summary>
internal enum FrameKind : byte
{
    /// <summary>A Linux handler: dispatched at entry, then busy for its cost.</summary>
    Linux,

    /// <summary>A bare-mode (or guest) handler running its action list.</summary>
    Actions,
}
