namespace Privport.Redirect;

/// <summary>A privport rule found in the <c>inet privport</c> table: which chain, its handle, and what it does.</summary>
internal sealed record InstalledRedirect(string Chain, long Handle, RedirectRule Rule);
