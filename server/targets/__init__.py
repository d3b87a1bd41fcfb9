"""The directory of inspection targets (检查对象名录库): businesses, vehicles and ships, their credit
class with its history, the supervision items that apply, CSV/XLSX import, and each target's
inspection history (防止执法扰民)."""
