# models stage rules (see README 'What the main job does').
