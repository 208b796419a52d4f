namespace Privport.Tests.Systemd;

/// <summary>The scenarios under a real systemd share one container, booted once, and run one at a time.</summary>
[CollectionDefinition(nameof(SystemdCollection), DisableParallelization = true)]
public sealed class SystemdCollection : ICollectionFixture<SystemdContainer>;
