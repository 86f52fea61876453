"""Printed and exported output drawn with Qt: crew worksheets (PDF) and the plan as CSV."""
