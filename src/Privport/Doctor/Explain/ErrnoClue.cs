namespace Privport.Doctor.Explain;

/// <summary>A place in the excerpt that names a bind failure's errno, with how much it is believed.</summary>
/// <param name="Errno">The failure it names.</param>
/// <param name="Index">Where the span starts in the excerpt.</param>
/// <param name="Length">The span's length.</param>
/// <param name="Form">How it was recognised: <c>errno name</c>, <c>strerror text</c>, <c>errno number</c>, ...</param>
/// <param name="Score">How unambiguous the form is.</param>
internal sealed record ErrnoClue(BindErrno Errno, int Index, int Length, string Form, int Score);
