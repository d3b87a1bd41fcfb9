"""Officers' training (三年轮训): courses, class hours, dates and certificates of completion."""
