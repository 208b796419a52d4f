namespace Privport.Redirect;

/// <summary>What one run of nft(8) printed and how it exited.</summary>
internal sealed record NftResult(int ExitCode, string Stdout, string Stderr);
