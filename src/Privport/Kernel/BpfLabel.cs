namespace Privport.Kernel;

/// <summary>A jump target in a <see cref="BpfAssembler"/> program, placed once with <see cref="BpfAssembler.Mark"/>.</summary>
internal readonly record struct BpfLabel(int Id);
