namespace Privport.Doctor.Explain;

/// <summary>
/// Where in the pasted text a port or an errno was read, and how it was recognised, for <c>--json</c> and for anyone
/// asking why the doctor read what it read.
/// </summary>
/// <param name="Line">1-based line of the excerpt.</param>
/// <param name="Column">0-based offset of the span within its line.</param>
/// <param name="Text">The span as it appears in the excerpt.</param>
/// <param name="Form">How it was recognised: <c>nginx format</c>, <c>url</c>, <c>port phrase</c>, <c>strerror text</c>, ...</param>
internal sealed record Evidence(int Line, int Column, string Text, string Form);
