"""Process files shipped with flowkit (the demo uses them); copies of examples/."""
