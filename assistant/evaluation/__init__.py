"""The evaluation suite: labelled datasets, metrics, the runner and its report."""
