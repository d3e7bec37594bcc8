"""The course's source lessons (nbgrader source notebooks and their YAML), shipped inside the package as
`pathways.lessons` so an installed `pathways` finds them (see `pathways.config`). Nothing here is code."""
