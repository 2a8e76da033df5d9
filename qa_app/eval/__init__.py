"""The evaluation harness: question sets, metrics, the runner behind
`python -m qa_app eval`."""
