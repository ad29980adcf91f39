"""milestones"""
