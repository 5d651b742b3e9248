"""brandbot's analysis library. (The facade's exports are wired once all modules land.)"""
