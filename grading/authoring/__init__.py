"""The author's commands (check, graph, new-scenario, new-translation, schema, preview) and the preview notebook."""
