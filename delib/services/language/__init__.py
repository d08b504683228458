"""Danish language tools shared by the areas: word forms and lemmas (danish) and the task
classifier (classifier). Notes use them while a participant types, KL when it searches and finds
themes, so they belong to neither area.
"""
