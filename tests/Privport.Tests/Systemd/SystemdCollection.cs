namespace Privport.Tests.Systemd;

/// <summary>The scenarios under a real systemd share one container, booted once; a collection runs its tests one
/// at a time, while other collections run beside it on the host.</summary>
[CollectionDefinition(nameof(SystemdCollection))]
public sealed class SystemdCollection : ICollectionFixture<SystemdContainer>;
