"""The directory of inspecting officers (执法检查人员名录库): certificates with their history and
the law-enforcement domains they cover, availability, and declared conflicts of interest."""
