"""The static site: every lesson as plain HTML, CSS and classic scripts, served by any static web server or opened
from a folder, with no kernel and nothing written about the visitor (`pathways site`, `make site`).

* `player`: a role-play as a transition table computed by the Python engine (the page's player only walks it).
* `kinds`: one static renderer per activity kind (role-play, sorting, knowledge check, reflection, ...).
* `lesson`: a lesson notebook read into blocks (readings, activities) without running it.
* `build`: the pages, the landing page and the leak scan.
"""
