"""SCORM 1.2 packages of the lessons, one per lesson, built from the static site's pages (`pathways scorm`)."""
