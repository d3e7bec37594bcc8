"""The grading sandbox: each learner's notebook autograded in a bubblewrap jail, several at once."""
