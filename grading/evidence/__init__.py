"""Evidence that the course works: certificates, completion records, LMS grade files and print (issue 27)."""
