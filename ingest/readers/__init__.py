"""One reader per file format; each turns a paper's bytes into `Block`s."""
