"""The instructor's pipeline: class list, collect, grade, feedback, export and the class report (nbgrader)."""
