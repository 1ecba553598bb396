"""Attribution: who says each sentence (quotation marks, speech cues, names and roles), as verbatim spans."""
