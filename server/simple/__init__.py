"""The simple procedure on the spot (简易程序, 《行政处罚法》第五十一条): blocks of document numbers
reserved for a phone, on-the-spot decisions synced from it, and what they become on the server
(a confirmed `simple` disposition, an issued and sealed 当场行政处罚决定书)."""
