"""patents"""
