using Privport.Policy;

namespace Privport.Commands;

/// <summary>
/// <c>policy test</c>'s answer: the decision, the path that grants it (<c>kernel</c> or <c>broker</c>; null when
/// denied) and, for the kernel, the scope whose program grants it.
/// </summary>
internal sealed record PolicyTestAnswer(Decision Decision, string? Path, string? Scope);
