"""The public dashboards site: the build, the Voila server with its kernel pools, the dashboard kernel, Voila files."""
