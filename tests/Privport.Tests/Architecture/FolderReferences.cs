using Mono.Cecil;
using Mono.Cecil.Cil;

namespace Privport.Tests.Architecture;

/// <summary>
/// Which folder of the privport executable uses which, read from the compiled assembly: every type a type's
/// signatures, fields and method bodies name, mapped to the folder (namespace below <c>Privport</c>) that defines it.
/// Reading IL rather than source sees fully qualified names and parent-namespace shortcuts alike.
/// </summary>
internal static class FolderReferences
{
    public const string Root = "(root)";

    /// <summary>The shared sources of src/Common (wire format, endpoints) compile into privport under two namespaces.</summary>
    public const string Common = "Common";

    /// <summary>Every folder that defines a type.</summary>
    public static IReadOnlySet<string> Folders(string assemblyPath)
    {
        using var module = ModuleDefinition.ReadModule(assemblyPath);
        return module.GetTypes().Select(FolderOf).OfType<string>().ToHashSet(StringComparer.Ordinal);
    }

    /// <summary>
    /// The types whose methods or fields one folder's code calls or reads, and the types it creates or names in its own
    /// signatures: what it uses itself, not the parameter types of what it calls; each with one type that uses it.
    /// </summary>
    public static IReadOnlyDictionary<string, string> TypesUsedBy(string assemblyPath, string folder)
    {
        using var module = ModuleDefinition.ReadModule(assemblyPath);
        var users = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var type in module.GetTypes().Where(type => FolderOf(type) == folder))
        {
            var sink = new HashSet<string>(StringComparer.Ordinal);
            Collect(type, sink, calleeSignatures: false);
            foreach (string used in sink)
            {
                users.TryAdd(used, Outermost(type).FullName);
            }
        }

        return users;
    }

    /// <summary>Folder → folders it refers to, with one example type pair per edge.</summary>
    public static IReadOnlyDictionary<string, IReadOnlyDictionary<string, string>> Read(string assemblyPath)
    {
        using var module = ModuleDefinition.ReadModule(assemblyPath);
        var ownTypes = module.GetTypes().ToDictionary(type => type.FullName, StringComparer.Ordinal);
        var edges = new Dictionary<string, Dictionary<string, string>>(StringComparer.Ordinal);
        foreach (var type in module.GetTypes())
        {
            string? from = FolderOf(type);
            if (from is null)
            {
                continue;
            }

            var sink = new HashSet<string>(StringComparer.Ordinal);
            Collect(type, sink);
            foreach (string name in sink)
            {
                if (!ownTypes.TryGetValue(name, out var target) || FolderOf(target) is not { } to || to == from)
                {
                    continue;
                }

                var targets = edges.TryGetValue(from, out var existing) ? existing : edges[from] = new(StringComparer.Ordinal);
                targets.TryAdd(to, $"{Outermost(type).FullName} → {Outermost(target).FullName}");
            }
        }

        return edges.ToDictionary(pair => pair.Key, pair => (IReadOnlyDictionary<string, string>)pair.Value, StringComparer.Ordinal);
    }

    /// <summary>The folder a type lives in: the first namespace part below <c>Privport</c>; null for generated code elsewhere.</summary>
    public static string? FolderOf(TypeDefinition type)
    {
        string ns = Outermost(type).Namespace;
        if (ns == "Privport")
        {
            return Root;
        }

        if (!ns.StartsWith("Privport.", StringComparison.Ordinal))
        {
            return null;
        }

        string folder = ns["Privport.".Length..].Split('.')[0];

        // The shared sources in src/Common compile into every assembly under these namespaces.
        return folder is "Client" or "Protocol" ? Common : folder;
    }

    private static TypeDefinition Outermost(TypeDefinition type)
    {
        while (type.DeclaringType is { } outer)
        {
            type = outer;
        }

        return type;
    }

    private static void Collect(TypeDefinition type, HashSet<string> sink, bool calleeSignatures = true)
    {
        Add(type.BaseType, sink);
        foreach (var implemented in type.Interfaces)
        {
            Add(implemented.InterfaceType, sink);
        }

        foreach (var field in type.Fields)
        {
            Add(field.FieldType, sink);
        }

        foreach (var property in type.Properties)
        {
            Add(property.PropertyType, sink);
        }

        foreach (var method in type.Methods)
        {
            AddSignature(method, sink);
            if (!method.HasBody)
            {
                continue;
            }

            foreach (var variable in method.Body.Variables)
            {
                Add(variable.VariableType, sink);
            }

            foreach (var instruction in method.Body.Instructions)
            {
                AddOperand(instruction, sink, calleeSignatures);
            }
        }
    }

    private static void AddOperand(Instruction instruction, HashSet<string> sink, bool calleeSignatures)
    {
        switch (instruction.Operand)
        {
            case TypeReference typeReference:
                Add(typeReference, sink);
                break;
            case MethodReference methodReference:
                Add(methodReference.DeclaringType, sink);
                if (calleeSignatures)
                {
                    AddSignature(methodReference, sink);
                }

                if (methodReference is GenericInstanceMethod generic)
                {
                    foreach (var argument in generic.GenericArguments)
                    {
                        Add(argument, sink);
                    }
                }

                break;
            case FieldReference fieldReference:
                Add(fieldReference.DeclaringType, sink);
                if (calleeSignatures)
                {
                    Add(fieldReference.FieldType, sink);
                }

                break;
        }
    }

    private static void AddSignature(MethodReference method, HashSet<string> sink)
    {
        Add(method.ReturnType, sink);
        foreach (var parameter in method.Parameters)
        {
            Add(parameter.ParameterType, sink);
        }
    }

    private static void Add(TypeReference? reference, HashSet<string> sink)
    {
        switch (reference)
        {
            case null or GenericParameter:
                return;
            case GenericInstanceType generic:
                Add(generic.ElementType, sink);
                foreach (var argument in generic.GenericArguments)
                {
                    Add(argument, sink);
                }

                return;
            case TypeSpecification specification:
                Add(specification.ElementType, sink);
                return;
            default:
                sink.Add(reference.FullName);
                return;
        }
    }
}
