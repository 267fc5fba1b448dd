-- The original Audiobooker's database schema: its three tables, as its own SQL creates them.
--
-- Copied unchanged from the original application's schema document ("Database Schema": the SQL
-- blocks of its "Tables" section, in order). That application used SQLAlchemy, on PostgreSQL in
-- production and SQLite for local use. Audiobooker builds these tables exactly, and runs on a
-- database that the original application made (README, "Running on PostgreSQL"):
-- tests/test_schema.py compares what our migrations build with what this file builds, on
-- PostgreSQL, and tests/test_seed_database.py migrates a database made by this file.

CREATE TABLE users (
    id UUID PRIMARY KEY DEFAULT gen_random_uuid(),
    email VARCHAR(255) UNIQUE NOT NULL,
    password_hash VARCHAR(255) NOT NULL,
    is_active BOOLEAN DEFAULT true,
    is_superuser BOOLEAN DEFAULT false,
    created_at TIMESTAMP WITH TIME ZONE DEFAULT CURRENT_TIMESTAMP,
    updated_at TIMESTAMP WITH TIME ZONE
);

CREATE INDEX idx_users_email ON users(email);

CREATE TABLE audiobooks (
    id UUID PRIMARY KEY DEFAULT gen_random_uuid(),
    user_id UUID REFERENCES users(id) ON DELETE CASCADE,
    title VARCHAR(500) NOT NULL,
    original_file_name VARCHAR(500) NOT NULL,
    file_size INTEGER NOT NULL,
    pdf_path VARCHAR(1000) NOT NULL,
    audio_path VARCHAR(1000),
    status VARCHAR(50) DEFAULT 'pending',
    created_at TIMESTAMP WITH TIME ZONE DEFAULT CURRENT_TIMESTAMP,
    updated_at TIMESTAMP WITH TIME ZONE
);

CREATE INDEX idx_audiobooks_user_id ON audiobooks(user_id);
CREATE INDEX idx_audiobooks_status ON audiobooks(status);
CREATE INDEX idx_audiobooks_created_at ON audiobooks(created_at DESC);

CREATE TABLE conversion_jobs (
    id UUID PRIMARY KEY DEFAULT gen_random_uuid(),
    audiobook_id UUID REFERENCES audiobooks(id) ON DELETE CASCADE,
    status VARCHAR(50) DEFAULT 'queued',
    progress INTEGER DEFAULT 0,
    error_message TEXT,
    started_at TIMESTAMP WITH TIME ZONE,
    completed_at TIMESTAMP WITH TIME ZONE,
    created_at TIMESTAMP WITH TIME ZONE DEFAULT CURRENT_TIMESTAMP
);

CREATE INDEX idx_conversion_jobs_audiobook_id ON conversion_jobs(audiobook_id);
CREATE INDEX idx_conversion_jobs_status ON conversion_jobs(status);
