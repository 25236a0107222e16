-- Seed 000's sample database for MariaDB.
CREATE DATABASE IF NOT EXISTS exo_cluster CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci;
USE exo_cluster;

CREATE TABLE IF NOT EXISTS ai_models (
    id INT AUTO_INCREMENT PRIMARY KEY,
    name VARCHAR(255) NOT NULL,
    model_type VARCHAR(100) NOT NULL,
    parameters BIGINT,
    memory_usage_gb DECIMAL(10,2),
    created_at TIMESTAMP DEFAULT CURRENT_TIMESTAMP,
    updated_at TIMESTAMP DEFAULT CURRENT_TIMESTAMP ON UPDATE CURRENT_TIMESTAMP
);

CREATE TABLE IF NOT EXISTS cluster_nodes (
    id INT AUTO_INCREMENT PRIMARY KEY,
    node_id VARCHAR(100) UNIQUE NOT NULL,
    hostname VARCHAR(255) NOT NULL,
    ip_address VARCHAR(45) NOT NULL,
    cpu_cores INT,
    memory_gb INT,
    gpu_memory_gb INT DEFAULT 0,
    status ENUM('online', 'offline', 'maintenance') DEFAULT 'offline',
    last_seen TIMESTAMP DEFAULT CURRENT_TIMESTAMP ON UPDATE CURRENT_TIMESTAMP
);

CREATE TABLE IF NOT EXISTS query_log (
    id INT AUTO_INCREMENT PRIMARY KEY,
    query_hash VARCHAR(32) NOT NULL,
    query_text TEXT,
    user_context VARCHAR(100),
    execution_time DECIMAL(10,6),
    rows_affected INT,
    success BOOLEAN,
    error_message TEXT,
    created_at TIMESTAMP DEFAULT CURRENT_TIMESTAMP
);

INSERT INTO ai_models (name, model_type, parameters, memory_usage_gb) VALUES
    ('llama-3.1-405b', 'llm', 405000000000, 810.00),
    ('llama-3.1-70b', 'llm', 70000000000, 140.00),
    ('mistral-large-2', 'llm', 123000000000, 246.00),
    ('deepseek-coder-v2', 'code', 236000000000, 472.00),
    ('whisper-large-v3', 'speech', 1550000000, 3.10),
    ('stable-diffusion-xl', 'image', 6600000000, 13.20);

INSERT INTO cluster_nodes (node_id, hostname, ip_address, cpu_cores, memory_gb, gpu_memory_gb, status) VALUES
    ('m4-studio-01', 'studio01.exo.local', '10.0.0.11', 32, 512, 512, 'online'),
    ('m4-studio-02', 'studio02.exo.local', '10.0.0.12', 32, 512, 512, 'online'),
    ('m4-studio-03', 'studio03.exo.local', '10.0.0.13', 32, 512, 512, 'online'),
    ('m4-studio-04', 'studio04.exo.local', '10.0.0.14', 32, 512, 512, 'maintenance'),
    ('m4-studio-05', 'studio05.exo.local', '10.0.0.15', 32, 512, 512, 'offline');

INSERT INTO query_log (query_hash, query_text, user_context, execution_time, rows_affected, success, error_message) VALUES
    ('5d41402abc4b2a76b9719d911017c592', 'SELECT * FROM ai_models LIMIT 5', 'exo_ai', 0.001200, 5, TRUE, NULL),
    ('7d793037a0760186574b0282f2f435e7', 'SELECT COUNT(*) FROM cluster_nodes WHERE status = ''online''', 'exo_ai', 0.000800, 1, TRUE, NULL),
    ('e4d909c290d0fb1ca068ffaddf22cbd0', 'DROP TABLE ai_models', 'exo_ai', 0.000000, 0, FALSE, 'Query type not allowed: DROP');
