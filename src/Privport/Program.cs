using Privport.Commands;

return await CommandLine.Build().Parse(args).InvokeAsync();
