using Spotter.Cli;

return SpotterCli.Run(args);
